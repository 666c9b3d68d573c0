/**
 * Serves the direct-to-Janus client on loopback: one page with a preview, a
 * join button and the client script. A page needs an http origin (not a
 * file) to be allowed the camera.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { browserScript } from '../lib/browserScript.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Direct Janus client</title></head>
<body>
<video id="preview" autoplay muted playsinline></video>
<button id="join" data-bench-join disabled>Join</button>
<div id="remote"></div>
<script type="module" src="/client.js"></script>
</body></html>`;

export interface DirectClientServer {
  url: string;
  close(): Promise<void>;
}

export async function serveDirectClient(): Promise<DirectClientServer> {
  const script = await browserScript(fileURLToPath(new URL('./browser/directJanusClient.ts', import.meta.url)));
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
