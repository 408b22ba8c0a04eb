import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { errorCatalog } from '../lib/errors.js';

/**
 * Requests so malformed that Node rejects them before Express sees them (headers over Node's
 * 16 KB limit, broken HTTP) still get a JSON answer, like every other error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const [status, reason, code] = tooLarge
    ? ([431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE'] as const)
    : ([400, 'Bad Request', 'BAD_REQUEST'] as const);
  const body = JSON.stringify({ message: errorCatalog[code].message, code });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The HTTP server for the app: Node's defaults, plus JSON answers to unparseable requests. */
export function createHttpServer(app: Express): Server {
  const server = createServer(app);
  server.on('clientError', answerClientError);
  return server;
}
