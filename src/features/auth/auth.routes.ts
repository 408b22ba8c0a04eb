import { Router } from 'express';
import { AppError } from '../../lib/errors.js';
import type { RouteGuards } from '../../lib/guards.js';
import { parseBody } from '../../lib/validation.js';
import { refreshTokenIn, signinSchema, signoutSchema, signupSchema } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';
import type { TokenTransport } from './token-transport.js';

/** The tutorial's /api/auth endpoints. Token responses are never cached. */
export function authRoutes(auth: AuthService, transport: TokenTransport, guards: RouteGuards): Router {
  const router = Router();

  router.post('/signup', async (req, res) => {
    await auth.signup(parseBody(signupSchema, req.body), { userAgent: req.get('user-agent'), ip: req.ip });
    res.json({ message: 'User registered successfully!' });
  });

  router.post('/signin', async (req, res) => {
    const result = await auth.signin(parseBody(signinSchema, req.body), {
      userAgent: req.get('user-agent'),
      ip: req.ip,
    });
    res.set('Cache-Control', 'no-store').json(transport.deliver(res, result));
  });

  router.post('/refreshtoken', async (req, res) => {
    const token = transport.refreshTokenFrom(req, refreshTokenIn(req.body));
    if (token === undefined) throw new AppError('REFRESH_TOKEN_REQUIRED');
    const pair = await auth.refresh(token);
    res.set('Cache-Control', 'no-store').json(transport.deliver(res, pair));
  });

  router.post('/signout', guards.identified, async (req, res) => {
    const body = parseBody(signoutSchema, req.body);
    await auth.signout({
      refreshToken: transport.refreshTokenFrom(req, body.refreshToken ?? undefined),
      all: body.all,
      caller: req.auth,
    });
    transport.clear(res);
    res.set('Cache-Control', 'no-store').json({ message: "You've been signed out!" });
  });

  return router;
}
