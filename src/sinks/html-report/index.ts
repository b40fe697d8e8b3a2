export { createHtmlReportSink, type HtmlReportSinkOptions } from "./sink.js";
export { resolveReportPath, DEFAULT_REPORT_PATH } from "./path.js";
export { renderReport, renderPage, jsonForScript } from "./page.js";
export { reportData, reportExperiment, reportComparison, sourceOfStored, EXAMPLES_EVENT_TYPE } from "./data.js";
export type { ReportData, ReportExperiment, ReportComparison } from "./model.js";
