// Sends an export: the download headers go out with the body's first byte, so an export
// that fails before then is answered with an ordinary JSON error (not as a zip download);
// after it the download can only be cut short, which the error handler does. A client
// that goes away stops the export quietly (logged at info).
import { once } from 'node:events';
import type { Response } from 'express';
import type { ExportFormat } from '../exporters/types.ts';
import type { ProjectContext } from '../services/context.ts';
import { downloadOf, exportBody, type Download } from '../services/export.ts';

function downloadHeaders(res: Response, d: Download): void {
  res.status(200);
  res.setHeader('Content-Type', d.contentType);
  res.setHeader('Content-Disposition', `attachment; filename=${d.name}`);
  // The 0.8 export page names the download after this header.
  res.setHeader('filename', d.name);
}

export async function sendExport(ctx: ProjectContext, format: ExportFormat, res: Response, asZip: boolean): Promise<void> {
  const download = downloadOf(format, asZip);
  // HEAD asks for the headers only: no need to run the export for them.
  if (res.req.method === 'HEAD') {
    downloadHeaders(res, download);
    res.end();
    return;
  }
  const stop = new AbortController();
  let gone: Error | undefined;
  res.once('close', () => {
    if (res.writableFinished) return;
    gone = new Error('the client closed the connection during the export');
    stop.abort(gone);
  });
  try {
    const body = await exportBody(ctx, format, asZip, stop);
    for await (const chunk of body) {
      stop.signal.throwIfAborted();
      if (!res.headersSent) downloadHeaders(res, download);
      if (!res.write(chunk)) await once(res, 'drain', { signal: stop.signal });
    }
    if (!res.headersSent) downloadHeaders(res, download); // an empty file
    res.end();
  } catch (err) {
    if (gone) return ctx.log?.info(`${format.name} export abandoned by the client`);
    stop.abort(err);
    throw err;
  }
}
