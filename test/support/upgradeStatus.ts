/** The HTTP status a WebSocket upgrade gets: 101 when it opens (then closed at once), else the refusal's status. */
import WebSocket from 'ws';

export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', () => undefined);
  });
}
