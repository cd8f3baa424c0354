// A Suspense boundary inside an error boundary, as an app wraps Suspense
// hooks: "Try again" resets the error boundary and TanStack's reset state.
import { QueryErrorResetBoundary } from '@tanstack/react-query'
import { Component, Suspense } from 'react'
import type { ReactNode } from 'react'

interface CatcherProps {
  onReset: () => void
  children: ReactNode
}

class Catcher extends Component<CatcherProps, { error: Error | null }> {
  override state: { error: Error | null } = { error: null }
  static getDerivedStateFromError(error: Error) {
    return { error }
  }
  override render() {
    const { error } = this.state
    if (!error) return this.props.children
    return (
      <div role="alert" className="rxd-info-error">
        {error.name}: {error.message}{' '}
        <button
          type="button"
          onClick={() => {
            this.props.onReset()
            this.setState({ error: null })
          }}
        >
          Try again
        </button>
      </div>
    )
  }
}

export function SuspenseBoundary({ children }: { children: ReactNode }) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <Catcher onReset={reset}>
          <Suspense fallback={<p role="status" aria-label="suspended">Asking…</p>}>{children}</Suspense>
        </Catcher>
      )}
    </QueryErrorResetBoundary>
  )
}
