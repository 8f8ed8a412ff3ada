/**
 * The baseline of `GET /api/me`: a bare Express 5 app with one route answering the same JSON as the server,
 * started as a child process exactly like the server (Node + tsx, its own process, PORT from the bench).
 * No middleware, no session lookup: what any Express route costs.
 */
import express from 'express';

const body: unknown = JSON.parse(process.env.BENCH_BARE_BODY ?? '{}');
const port = Number(process.env.PORT);
const app = express();
app.get('/api/me', (_req, res) => {
  res.json(body);
});
app.get('/readyz', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
