// A benchmark peer forked into a process of its own: asked to stop, killed if it does not within 3 s.
export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.send({ stop: true })
    setTimeout(() => child.kill('SIGKILL'), 3000).unref()
  })
}
