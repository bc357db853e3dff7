import { OpenAPIHono } from '@hono/zod-openapi'
import { errorBody, STATUS_OF } from './errors.js'
import { issueError } from './query-schemas.js'

/**
 * A route module's app: an `OpenAPIHono` whose request validation answers the error model (the
 * parameter parser's own code and message, else INVALID_REQUEST naming the field).
 */
export function createRouter() {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return undefined
      const err = issueError(result.error.issues)
      return c.json(errorBody(err.code, err.message), STATUS_OF[err.code])
    },
  })
}
