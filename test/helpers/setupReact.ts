// The React project's setup: Testing Library waits up to 5 s (not 1 s) for
// the page to settle, because CI runs these tests on 2 busy cores.
import { configure } from '@testing-library/react'

configure({ asyncUtilTimeout: 5_000 })
