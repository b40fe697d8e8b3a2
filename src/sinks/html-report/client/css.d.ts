/** Styles are bundled by esbuild into report.css next to report.js. */
declare module "*.css";
