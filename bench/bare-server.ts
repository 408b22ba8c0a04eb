/*
 * The baseline: a bare Express 5 app answering the tutorial boards' paths with the same bodies,
 * without any authentication, logging or headers. PORT from the environment.
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
for (const [path, body] of [
  ['/api/test/all', 'Public Content.'],
  ['/api/test/user', 'User Content.'],
  ['/api/test/admin', 'Admin Content.'],
] as const) {
  app.get(path, (_req, res) => {
    res.type('text/plain').send(body);
  });
}
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on port ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
