import type { ReportData } from "../../src/sinks/html-report/model.js";

/** The data a report page embeds, read back the way the page reads it. */
export function dataOfReport(html: string): ReportData {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error("the page has no embedded report data");
  return JSON.parse(match[1]!) as ReportData;
}
