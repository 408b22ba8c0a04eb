import { useState } from 'preact/hooks';
import { api } from '../api';
import type { SessionProps } from '../app';
import { ErrorBox, Field, Notice, SubmitRow, useAction } from '../ui';

interface Setup {
  secret: string;
  otpauthUrl: string;
  qrCode: string;
}

/** The authenticator app: set up (QR code, manual secret, a code to confirm), recovery codes, turn off. */
export function AuthenticatorSection({ me, reloadMe }: SessionProps) {
  const [setup, setSetup] = useState<Setup | undefined>(undefined);
  const [codes, setCodes] = useState<string[] | undefined>(undefined);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run, submit } = useAction();
  if (!me) return null;

  const start = () =>
    void run(async () => {
      setCodes(undefined);
      setSetup(await api<Setup>('POST', 'api/users/me/mfa/totp'));
    });
  const confirm = submit(async () => {
    const answer = await api<{ recoveryCodes: string[] }>('POST', 'api/users/me/mfa/totp/confirm', { code: code.trim() });
    setSetup(undefined);
    setCode('');
    setCodes(answer.recoveryCodes);
    await reloadMe();
  });
  const newCodes = submit(async () => {
    const answer = await api<{ recoveryCodes: string[] }>('POST', 'api/users/me/mfa/recovery-codes', { code: code.trim() });
    setCode('');
    setCodes(answer.recoveryCodes);
    await reloadMe();
  }, 'Make new recovery codes? The old ones stop working.');
  const turnOff = submit(async () => {
    await api('DELETE', 'api/users/me/mfa/totp', { password, code: code.trim() });
    setCode('');
    setPassword('');
    setCodes(undefined);
    await reloadMe();
  }, 'Turn off the authenticator app? Signing in will need only your password.');

  return (
    <section aria-labelledby="authenticator">
      <h2 id="authenticator">Authenticator app</h2>
      {codes && (
        <Notice>
          <p>Recovery codes: keep them somewhere safe. Each works once, when your phone is not at hand.</p>
          <ul class="codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {setup ? (
        <form onSubmit={confirm}>
          <p>Scan this QR code with your authenticator app, then type the code it shows.</p>
          <img class="qr" src={setup.qrCode} width={240} height={240} alt="QR code for your authenticator app" />
          <p>
            Or type this secret into the app: <code class="secret">{setup.secret}</code>
          </p>
          <Field label="Code" name="code" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" />
          <SubmitRow label="Verify" busy={busy} error={error} />
        </form>
      ) : me.mfa.totp ? (
        <>
          <p>
            The authenticator app is on. {me.mfa.recoveryCodesLeft} recovery code(s) left.
          </p>
          <form onSubmit={newCodes}>
            <Field label="Code" name="code" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" hint="A code from the app, to make new recovery codes or turn the app off." />
            <SubmitRow label="New recovery codes" busy={busy} error={error} variant="secondary" />
          </form>
          <form onSubmit={turnOff}>
            <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autoComplete="current-password" />
            <button type="submit" class="danger" disabled={busy}>
              Turn off the authenticator app
            </button>
          </form>
        </>
      ) : (
        <>
          <p>Sign in with a code from an app on your phone as well as your password.</p>
          <ErrorBox error={error} />
          <button type="button" disabled={busy} onClick={start}>
            Set up authenticator app
          </button>
        </>
      )}
    </section>
  );
}
