import { api, ApiFailure, type User } from './api';

/**
 * Who is signed in: the account, or null. Read from the API (the cookies are not readable here);
 * api() has already tried one refresh when the access cookie had run out.
 */
export async function whoAmI(): Promise<User | null> {
  try {
    return await api<User>('GET', 'api/users/me');
  } catch (error) {
    if (error instanceof ApiFailure && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

export const isAdmin = (user: User | null | undefined) => user?.roles.includes('admin') ?? false;
