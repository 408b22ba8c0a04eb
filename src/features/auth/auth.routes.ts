import { Router } from 'express';
import { parseBody } from '../../lib/validation.js';
import { signinSchema, signupSchema } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';

/** The tutorial's /api/auth endpoints. */
export function authRoutes(auth: AuthService): Router {
  const router = Router();

  router.post('/signup', async (req, res) => {
    await auth.signup(parseBody(signupSchema, req.body));
    res.json({ message: 'User registered successfully!' });
  });

  router.post('/signin', async (req, res) => {
    const result = await auth.signin(parseBody(signinSchema, req.body));
    res.set('Cache-Control', 'no-store').json(result);
  });

  return router;
}
