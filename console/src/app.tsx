import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, type User } from './api';
import { AccountPage } from './pages/account';
import { AuditPage } from './pages/audit';
import { ForgotPage, ResetPage } from './pages/password';
import { RolesPage } from './pages/roles';
import { SigninPage } from './pages/signin';
import { SignupPage, VerifyEmailPage } from './pages/signup';
import { UserPage } from './pages/user';
import { UsersPage } from './pages/users';
import { href, navigate, useLocation } from './router';
import { isAdmin, whoAmI } from './session';
import { APP_NAME, ErrorBox, Loading, Page } from './ui';

export interface SessionProps {
  me: User | null;
  /** Reads the account again (after signin, a change, or signout). */
  reloadMe: () => Promise<User | null>;
}

const PUBLIC = new Set(['signin', 'signup', 'verify-email', 'forgot-password', 'reset-password']);

export function App() {
  const location = useLocation();
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const reloadMe = async () => {
    const user = await whoAmI();
    setMe(user);
    return user;
  };
  useEffect(() => {
    reloadMe().catch(setError);
  }, []);

  const signOut = async () => {
    try {
      await api('POST', 'api/auth/signout', {});
    } catch (failure) {
      // Refused as not signed in: the session had ended already. Anything else: say so, and stay.
      if (!(failure instanceof ApiFailure && (failure.status === 401 || failure.status === 403))) {
        setError(failure);
        return;
      }
    }
    setMe(null);
    navigate('signin');
  };

  let path = location.path;
  if (me !== undefined && !PUBLIC.has(path) && me === null) path = 'signin';
  if (me && (path === '' || path === 'signin')) path = 'account';

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <a class="brand" href={href('')}>
          {APP_NAME}
        </a>
        {me && (
          <nav aria-label="Main">
            <a href={href('account')} aria-current={path === 'account' ? 'page' : undefined}>
              Account
            </a>
            {isAdmin(me) && (
              <>
                <a href={href('admin/users')} aria-current={path.startsWith('admin/users') ? 'page' : undefined}>
                  Users
                </a>
                <a href={href('admin/roles')} aria-current={path === 'admin/roles' ? 'page' : undefined}>
                  Roles
                </a>
                <a href={href('admin/audit')} aria-current={path === 'admin/audit' ? 'page' : undefined}>
                  Audit log
                </a>
              </>
            )}
            <button type="button" class="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main">
        {error ? (
          <Page title="Something went wrong">
            <ErrorBox error={error} />
          </Page>
        ) : me === undefined ? (
          <Loading />
        ) : (
          route(path, location.params, { me, reloadMe })
        )}
      </main>
    </>
  );
}

function route(path: string, params: URLSearchParams, session: SessionProps) {
  const user = /^admin\/users\/(\d+)$/.exec(path);
  if (user) return <UserPage id={Number(user[1])} {...session} />;
  switch (path) {
    case 'signin':
      return <SigninPage {...session} />;
    case 'signup':
      return <SignupPage />;
    case 'verify-email':
      return <VerifyEmailPage token={params.get('token') ?? ''} reloadMe={session.reloadMe} />;
    case 'forgot-password':
      return <ForgotPage />;
    case 'reset-password':
      return <ResetPage token={params.get('token') ?? ''} />;
    case 'account':
      return <AccountPage {...session} />;
    case 'admin/users':
      return <UsersPage params={params} />;
    case 'admin/roles':
      return <RolesPage />;
    case 'admin/audit':
      return <AuditPage params={params} />;
    default:
      return (
        <Page title="Page not found">
          <p>
            There is no such page. Go to <a href={href('')}>the start page</a>.
          </p>
        </Page>
      );
  }
}
