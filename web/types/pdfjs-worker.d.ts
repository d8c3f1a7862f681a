// pdf.js's worker module ships no types: it is imported only to be handed back to pdf.js.
declare module 'pdfjs-dist/build/pdf.worker.min.mjs' {
  export const WorkerMessageHandler: unknown
}
