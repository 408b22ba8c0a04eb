import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api';

export const APP_NAME = document.querySelector<HTMLMetaElement>('meta[name="application-name"]')?.content || 'Tokengate';

/** A page: its h1 takes the focus after navigation, so screen readers and keyboards start there. */
export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ${APP_NAME}`;
    heading.current?.focus();
  }, [title]);
  return (
    <section class="page">
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </section>
  );
}

let fieldIds = 0;

export function Field(props: {
  label: string;
  name: string;
  type?: string;
  value: string;
  onInput: (value: string) => void;
  autoComplete?: string;
  required?: boolean;
  inputMode?: 'numeric' | 'text' | 'email' | 'search';
  hint?: string;
}) {
  const [id] = useState(() => `f${++fieldIds}`);
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        inputMode={props.inputMode}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
    </p>
  );
}

/** A problem found in the browser (not an API answer), its message written for the person. */
export class Problem extends Error {}

/** What went wrong, and what to do: the API's message, and each field it names. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const failure = error instanceof ApiFailure ? error.error : undefined;
  const message = failure
    ? explain(failure.code, failure.message)
    : error instanceof Problem
      ? error.message
      : 'The server could not be reached. Check your connection and try again.';
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {failure?.errors && failure.errors.some((e) => e.message !== message) && (
        <ul>
          {failure.errors.map((e) => (
            <li key={e.field}>
              {e.field}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function explain(code: string, message: string): string {
  if (code === 'ROLE_REQUIRED' || /^Require .* Role!$/.test(message)) return `Access denied: this page is for administrators only. (${message})`;
  if (code === 'MFA_REQUIRED') return `${message} Open Account to set up the authenticator app or add a passkey, then sign out and sign in again.`;
  if (code === 'TOKEN_MISSING') return 'You are not signed in. Sign in to continue.';
  return message;
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {children}
    </div>
  );
}

export const Loading = () => (
  <p class="loading" role="status">
    Loading…
  </p>
);

/** Runs an async action for a form: busy while it runs, its error kept for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  /** A form's submit handler: no page load; asks `question` first when given; then runs `action`. */
  const submit = (action: () => Promise<void>, question?: string) => (event: Event) => {
    event.preventDefault();
    if (question && !window.confirm(question)) return;
    void run(action);
  };
  return { busy, error, run, setError, submit };
}

/** The end of a form: what went wrong, then its submit button, disabled while the action runs. */
export function SubmitRow({ label, busy, error, variant }: { label: string; busy: boolean; error: unknown; variant?: 'secondary' | 'danger' }) {
  return (
    <>
      <ErrorBox error={error} />
      <button type="submit" class={variant} disabled={busy}>
        {label}
      </button>
    </>
  );
}

/** A form with an action of its own: its fields (children), then its error and its submit button. */
export function ActionForm(props: { action: () => Promise<void>; label: string; variant?: 'secondary' | 'danger'; children: ComponentChildren }) {
  const { busy, error, submit } = useAction();
  return (
    <form onSubmit={submit(props.action)}>
      {props.children}
      <SubmitRow label={props.label} busy={busy} error={error} variant={props.variant} />
    </form>
  );
}

/** Loads data for a page; `reload` fetches it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
}

export const formatTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
