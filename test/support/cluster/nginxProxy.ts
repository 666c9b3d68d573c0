/**
 * nginx from Debian in front of the app servers, as the README's front
 * door shows: plain HTTP proxying with the WebSocket upgrade passed on.
 * Each listener has its own upstream list, so a test can say which app
 * server a page should reach first (the others are backups it fails over to).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabProcess } from '../labProcess.js';
import { findFreePort } from '../../../src/support/ports.js';

export interface Listener {
  /** App server addresses (host:port) in order of preference. */
  upstreams: string[];
  /** Round robin over all of them instead of the first with the rest as backups. */
  roundRobin?: boolean;
}

export interface TestNginx {
  /** One base URL per listener, in the order given. */
  urls: string[];
  stop(): Promise<void>;
}

export async function startNginx(dir: string, listeners: Listener[]): Promise<TestNginx> {
  const ports = await Promise.all(listeners.map(() => findFreePort()));
  const blocks = listeners.map((listener, index) => {
    const servers = listener.upstreams.map((address, position) =>
      `    server ${address} max_fails=1 fail_timeout=10s${listener.roundRobin || position === 0 ? '' : ' backup'};`,
    );
    return `
  upstream convene_${index} {
${servers.join('\n')}
  }
  server {
    listen 127.0.0.1:${ports[index]};
    location / {
      proxy_pass http://convene_${index};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout;
    }
  }`;
  });
  const config = `
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
${blocks.join('\n')}
}
`;
  const path = join(dir, 'nginx.conf');
  await writeFile(path, config);
  const nginx = await LabProcess.start('nginx', 'nginx', ['-c', path, '-p', dir], dir);
  await waitUntilListening(ports.map((port) => `http://127.0.0.1:${port}/healthz`), nginx);
  return { urls: ports.map((port) => `http://127.0.0.1:${port}`), stop: () => nginx.stop() };
}

async function waitUntilListening(urls: string[], nginx: LabProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const url of urls) {
    for (;;) {
      if (nginx.hasExited) throw nginx.failure('exited while starting (is the nginx-light package installed?)');
      if ((await fetch(url).catch(() => undefined))?.ok) break;
      if (Date.now() > deadline) throw nginx.failure(`does not answer on ${url}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
