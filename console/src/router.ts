import { useEffect, useState } from 'preact/hooks';

/*
 * A small history router: paths are relative to the page's <base> (…/console/), so the console
 * works under any prefix. Links are ordinary <a href> elements; clicks on them are caught here.
 */

const base = new URL('.', document.baseURI).pathname;

export interface Location {
  /** The path under the console, without a leading slash: "", "account", "admin/users/3". */
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  const { pathname, search } = window.location;
  const path = pathname.startsWith(base) ? pathname.slice(base.length) : '';
  return { path: path.replace(/\/+$/, ''), params: new URLSearchParams(search) };
}

const listeners = new Set<() => void>();

/** The href of a console path, for <a href>. */
export const href = (path: string) => `${base}${path}`;

export function navigate(path: string, { replace = false } = {}): void {
  const url = href(path);
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

/** Catches clicks on same-origin links under the console and navigates without a reload. */
export function interceptLinks(): void {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest?.('a');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(base)) return;
    event.preventDefault();
    window.history.pushState(null, '', url.pathname + url.search);
    for (const listener of listeners) listener();
  });
}
