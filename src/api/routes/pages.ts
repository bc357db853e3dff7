/** The HTML pages: the dashboard at `/` (`/?address=<a>&chain=<key>` opens a wallet). */
import type { ReportSources } from '../../report/report-sources.js'
import { renderHomePage } from '../home.js'
import { createRouter } from '../router.js'

/** `GET /`. */
export function pageRoutes(sources: ReportSources) {
  const app = createRouter()
  app.get('/', (c) => c.html(renderHomePage(sources.config)))
  return app
}
