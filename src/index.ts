// The root entry: the core and the React layer.
export * from './core/index.js'
export * from './react/index.js'
