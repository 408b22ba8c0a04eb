import { readFile } from 'node:fs/promises';
import path from 'node:path';

/*
 * The mails' words. Each mail has a subject, a text part and an HTML part, built in, and each
 * file can be replaced from MAIL_TEMPLATES_DIR: `<name>.subject.txt`, `<name>.txt` and
 * `<name>.html`. `{{variable}}` is replaced by its value (HTML-escaped in the HTML part); a
 * template naming a variable its mail does not have is refused at start, so a typo cannot
 * reach a reader.
 */

export const TEMPLATE_VARIABLES = {
  'verify-email': ['appName', 'username', 'email', 'link', 'expiresIn'],
  'reset-password': ['appName', 'username', 'email', 'link', 'expiresIn'],
  'confirm-email-change': ['appName', 'username', 'email', 'newEmail', 'link', 'expiresIn'],
  'email-change-notice': ['appName', 'username', 'email', 'newEmail'],
} as const;

export type TemplateName = keyof typeof TEMPLATE_VARIABLES;
export type TemplateVariables<N extends TemplateName> = Record<(typeof TEMPLATE_VARIABLES)[N][number], string>;

interface Template {
  subject: string;
  text: string;
  html: string;
}

const layout = (body: string) =>
  `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">\n${body}\n</body></html>\n`;
const button = '<p><a href="{{link}}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f4fd1; color: #fff; text-decoration: none; border-radius: 4px">';

const builtIn: Record<TemplateName, Template> = {
  'verify-email': {
    subject: 'Verify your email address for {{appName}}',
    text: `Hello {{username}},

please confirm that {{email}} is your address for {{appName}} by opening this link:

{{link}}

The link works once, for {{expiresIn}}.

If you did not create an account with {{appName}}, ignore this mail: nothing happens without the link.
`,
    html: layout(`<p>Hello {{username}},</p>
<p>please confirm that {{email}} is your address for {{appName}}.</p>
${button}Verify my address</a></p>
<p>Or open this link: <a href="{{link}}">{{link}}</a><br>It works once, for {{expiresIn}}.</p>
<p>If you did not create an account with {{appName}}, ignore this mail: nothing happens without the link.</p>`),
  },
  'reset-password': {
    subject: 'Reset your {{appName}} password',
    text: `Hello {{username}},

someone (hopefully you) asked to reset the password of your {{appName}} account. Choose a new password here:

{{link}}

The link works once, for {{expiresIn}}. Resetting signs you out everywhere.

If you did not ask for this, ignore this mail: your password stays as it is.
`,
    html: layout(`<p>Hello {{username}},</p>
<p>someone (hopefully you) asked to reset the password of your {{appName}} account.</p>
${button}Choose a new password</a></p>
<p>Or open this link: <a href="{{link}}">{{link}}</a><br>It works once, for {{expiresIn}}. Resetting signs you out everywhere.</p>
<p>If you did not ask for this, ignore this mail: your password stays as it is.</p>`),
  },
  'confirm-email-change': {
    subject: 'Confirm your new email address for {{appName}}',
    text: `Hello {{username}},

please confirm that {{newEmail}} should become the address of your {{appName}} account (it is {{email}} now):

{{link}}

The link works once, for {{expiresIn}}. Until it is used, nothing changes.

If you did not ask for this, ignore this mail.
`,
    html: layout(`<p>Hello {{username}},</p>
<p>please confirm that {{newEmail}} should become the address of your {{appName}} account (it is {{email}} now).</p>
${button}Confirm my new address</a></p>
<p>Or open this link: <a href="{{link}}">{{link}}</a><br>It works once, for {{expiresIn}}. Until it is used, nothing changes.</p>
<p>If you did not ask for this, ignore this mail.</p>`),
  },
  'email-change-notice': {
    subject: 'Your {{appName}} address is about to change',
    text: `Hello {{username}},

someone signed in to your {{appName}} account asked to change its address from {{email}} to {{newEmail}}. A confirmation link went to the new address; the change applies only when it is used.

If this was not you, sign in and change your password now (or use "forgot password"), and tell your administrator.
`,
    html: layout(`<p>Hello {{username}},</p>
<p>someone signed in to your {{appName}} account asked to change its address from {{email}} to {{newEmail}}. A confirmation link went to the new address; the change applies only when it is used.</p>
<p>If this was not you, sign in and change your password now (or use "forgot password"), and tell your administrator.</p>`),
  },
};

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailTemplates {
  render<N extends TemplateName>(name: N, variables: TemplateVariables<N>): RenderedMail;
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fill(template: string, variables: Record<string, string>, escape: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => escape(variables[name] ?? ''));
}

async function readOverride(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Problems of a template text: the variables it names that its mail does not have. */
function unknownVariables(text: string, allowed: readonly string[]): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !allowed.includes(name));
}

/** The templates, with the files found in `dir` in place of the built-in ones. Throws on a bad file. */
export async function loadMailTemplates(dir: string | undefined): Promise<MailTemplates> {
  const templates = {} as Record<TemplateName, Template>;
  const problems: string[] = [];
  for (const [name, allowed] of Object.entries(TEMPLATE_VARIABLES) as Array<[TemplateName, readonly string[]]>) {
    const template = { ...builtIn[name] };
    for (const part of ['subject', 'text', 'html'] as const) {
      const file = dir && path.join(dir, `${name}.${part === 'subject' ? 'subject.txt' : part === 'text' ? 'txt' : 'html'}`);
      const override = file ? await readOverride(file) : undefined;
      if (override === undefined) continue;
      const unknown = unknownVariables(override, allowed);
      if (unknown.length > 0) problems.push(`${file}: unknown {{${unknown.join('}}, {{')}}} (it may use ${allowed.join(', ')})`);
      template[part] = part === 'subject' ? override.trim() : override;
    }
    templates[name] = template;
  }
  if (problems.length > 0) throw new Error(`MAIL_TEMPLATES_DIR: ${problems.join('; ')}`);
  return compile(templates);
}

/** The built-in templates, before MAIL_TEMPLATES_DIR is read at start. */
export function builtInMailTemplates(): MailTemplates {
  return compile(builtIn);
}

function compile(templates: Record<TemplateName, Template>): MailTemplates {
  return {
    render(name, variables) {
      const template = templates[name];
      const values = variables as Record<string, string>;
      return {
        // One line: a line break in a subject would start a new header.
        subject: fill(template.subject, values, (v) => v).replace(/[\r\n]+/g, ' '),
        text: fill(template.text, values, (v) => v),
        html: fill(template.html, values, escapeHtml),
      };
    },
  };
}

/** "24 hours", "1 hour", "30 minutes": a lifetime as a reader says it. */
export function describeDuration(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0 && seconds >= 2 * 86400) return unit(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}
