import { api } from '../api';
import { ErrorBox, Loading, formatTime, useAction, useLoad } from '../ui';

interface Session {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
}

/** The person's sessions: this one marked; sign out of one, or of every other. */
export function SessionsSection() {
  const sessions = useLoad(() => api<{ sessions: Session[] }>('GET', 'api/auth/sessions').then((a) => a.sessions), []);
  const { busy, error, run } = useAction();
  const end = (ids: string[], question: string) => {
    if (!window.confirm(question)) return;
    void run(async () => {
      // Every one is tried, and the list shows what is left, even when one of them failed.
      const ended = await Promise.allSettled(ids.map((id) => api('DELETE', `api/auth/sessions/${encodeURIComponent(id)}`)));
      sessions.reload();
      const failed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  };
  const others = sessions.data?.filter((s) => !s.current) ?? [];
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      {sessions.loading && !sessions.data && <Loading />}
      <ErrorBox error={sessions.error ?? error} />
      {sessions.data && (
        <ul class="cards" aria-label="Sessions">
          {sessions.data.map((s) => (
            <li key={s.id} class={s.current ? 'current' : undefined}>
              <p>
                <strong>{s.current ? 'This session' : 'Another session'}</strong> · {s.userAgent ?? 'unknown browser'} · {s.ip ?? 'unknown address'}
              </p>
              <p class="muted">
                Signed in {formatTime(s.createdAt)} · last used {formatTime(s.lastUsedAt)}
              </p>
              {!s.current && (
                <button type="button" class="secondary" disabled={busy} onClick={() => end([s.id], 'Sign out this session?')}>
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <button type="button" class="danger" disabled={busy} onClick={() => end(others.map((s) => s.id), `Sign out ${others.length} other session(s)?`)}>
          Sign out everywhere else
        </button>
      )}
      {sessions.data && others.length === 0 && <p class="muted">No other sessions.</p>}
    </section>
  );
}
