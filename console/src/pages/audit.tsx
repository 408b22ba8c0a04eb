import { useState } from 'preact/hooks';
import { api, query, type Page as PageOf } from '../api';
import { navigate } from '../router';
import { ErrorBox, Field, Loading, Page, formatTime, useLoad } from '../ui';
import { Pager } from './pager';

interface AuditEvent {
  id: number;
  type: string;
  actorId: number | null;
  targetId: number | null;
  username: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

const FILTERS = ['type', 'userId', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const isoOrEmpty = (local: string) => (local ? new Date(local).toISOString() : '');

/** Administration: the audit log, newest first, with filters and pages; the state lives in the URL. */
export function AuditPage({ params }: { params: URLSearchParams }) {
  const applied = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Filters;
  const page = Number(params.get('page') ?? '1') || 1;
  const [form, setForm] = useState<Filters>(applied);
  const events = useLoad(
    () =>
      api<PageOf<AuditEvent>>(
        'GET',
        `api/admin/audit${query({ ...applied, from: isoOrEmpty(applied.from), to: isoOrEmpty(applied.to), page, size: 25 })}`,
      ),
    [params.toString()],
  );
  const go = (filters: Filters, p: number) => navigate(`admin/audit${query({ ...filters, page: p })}`);
  const set = (key: keyof Filters) => (value: string) => setForm({ ...form, [key]: value });

  return (
    <Page title="Audit log">
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          go(form, 1);
        }}
      >
        <Field label="Event type" name="type" value={form.type} onInput={set('type')} required={false} hint="e.g. admin.user_updated, or a prefix: admin." />
        <Field label="User id" name="userId" value={form.userId} onInput={set('userId')} required={false} inputMode="numeric" />
        <Field label="From" name="from" type="datetime-local" value={form.from} onInput={set('from')} required={false} />
        <Field label="To" name="to" type="datetime-local" value={form.to} onInput={set('to')} required={false} />
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={events.error} />
      {events.loading && <Loading />}
      {events.data && events.data.items.length === 0 && <p>No events match these filters.</p>}
      {events.data && events.data.items.length > 0 && (
        <div class="table stacked">
          <table>
            <caption>{events.data.total} event(s), newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {events.data.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">{formatTime(e.createdAt)}</td>
                  <td data-label="Event">
                    <code>{e.type}</code>
                  </td>
                  <td data-label="Actor">{e.actorId ?? '—'}</td>
                  <td data-label="Target">
                    {e.targetId ?? '—'}
                    {e.username ? ` (${e.username})` : ''}
                  </td>
                  <td data-label="Address">{e.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.data && <Pager page={events.data.page} pages={events.data.pages} go={(p) => go(applied, p)} />}
    </Page>
  );
}
