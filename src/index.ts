// The root entry: everything (the core, entity capabilities, the React layer); tree-shaken per import.
export * from './core/index.js'
export * from './core/caps/index.js'
export * from './react/index.js'
