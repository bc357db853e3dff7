/**
 * The `stacklens` command on the process (see `./run-cli.ts` for the commands):
 *
 *   stacklens serve                      the API (as `npm start`)
 *   stacklens devchain [--port N]        start the devchain alone and keep it running
 *   stacklens wallet <address> [--chain K] [--block N] [--json]
 *   stacklens exposure <address> [--chain K] [--block N] [--betas B] [--target T] [--json]
 *   stacklens stress <address> [--chain K] [--block N] [--shocks S] [--depegs D] [--json]
 *   stacklens cascade <market> --chain K [--asset A] [--shocks S] [--depth D] [--wallet W] [--json]
 *   stacklens monitor [--chain K] [--once] [--json]   the monitor scheduler in the foreground
 *   stacklens keys create [--limit-watches N] [--limit-targets N] [--db PATH] [--json]
 *   stacklens watch add|list|rm|test|alerts ...       /v1/watches of a running API (--api, --key)
 *
 * Exit codes: 0 ok, 2 bad input, 3 upstream failure, 1 anything else.
 */
import { runCli } from './run-cli.js'

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (text) => process.stderr.write(text),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
})
// Long-running commands (serve, devchain) keep the process alive; the rest exit with their code.
if (code !== 0) process.exit(code)
