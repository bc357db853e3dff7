/**
 * A minimal GraphQL-over-HTTP client (POST `{ query, variables }`, JSON answer) for the indexers
 * stacklens reads (Aave/Morpho subgraphs, Morpho's API). Written here instead of pulling a GraphQL
 * library into the Worker bundle: stacklens only sends fixed query strings and validates every
 * answer with zod, so it needs no document parsing.
 */

/** One GraphQL error as the server reports it. */
export interface GraphQLErrorEntry {
  message: string
  status?: string
  [key: string]: unknown
}

/** A GraphQL answer that carries `errors`, or a non-2xx HTTP status. */
export class GraphQLClientError extends Error {
  override name = 'GraphQLClientError'
  /** The HTTP status and the GraphQL errors (the server's own texts). */
  readonly response: { status: number; errors?: GraphQLErrorEntry[] }
  constructor(status: number, errors: GraphQLErrorEntry[] | undefined) {
    super(errors?.[0]?.message ? `GraphQL error: ${errors[0].message}` : `HTTP ${status}`)
    this.response = errors === undefined ? { status } : { status, errors }
  }
}

/** Options of {@link GraphQLClient}. */
export interface GraphQLClientOptions {
  fetch?: typeof fetch
}

/** Sends queries to one GraphQL endpoint. */
export class GraphQLClient {
  readonly #url: string
  readonly #fetch: typeof fetch
  constructor(url: string, options: GraphQLClientOptions = {}) {
    this.#url = url
    this.#fetch = options.fetch ?? fetch
  }

  /**
   * Runs `query` with `variables`; resolves to the answer's `data`.
   * @throws GraphQLClientError on a non-2xx status or an answer with `errors`; the fetch's own
   *   error on a transport fault; a SyntaxError when the body is not JSON.
   */
  async request(query: string, variables?: Record<string, unknown>): Promise<unknown> {
    const res = await this.#fetch(this.#url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
    })
    const text = await res.text()
    let body: { data?: unknown; errors?: GraphQLErrorEntry[] } | undefined
    try {
      body = text ? (JSON.parse(text) as typeof body) : undefined
    } catch (err) {
      if (!res.ok) throw new GraphQLClientError(res.status, undefined)
      throw err
    }
    const errors = Array.isArray(body?.errors) && body.errors.length > 0 ? body.errors : undefined
    if (!res.ok || errors) throw new GraphQLClientError(res.status, errors)
    return body?.data
  }
}
