// A server config for the real-server browser tests that need their own site settings: the
// `demo` site (the id the fixture pages embed) answered by a dialog of tests/browser/fixtures/
// dialogs/ or the repository's dialogs/, with the idle timeout the test needs. Call
// useConfig() before setUp(): the harness starts the binary with this process's environment,
// and the binary reads STAFFETTA_CONFIG. Each test file runs in its own process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness.mjs';

const fixtureDialogs = join(repoRoot, 'tests', 'browser', 'fixtures', 'dialogs');

/**
 * Writes the config and points STAFFETTA_CONFIG at it.
 * dialog: an id in tests/browser/fixtures/dialogs (or in dialogs/ with `repoDialogs: true`);
 * idleTimeoutS / idleWarningS: the site's idle timeout and warning (10 s is the minimum);
 * identity: `{ kid, publicKeyPem }` requires an RS256 identity token signed by that key.
 */
export function useConfig({ dialog, repoDialogs = false, idleTimeoutS = 300, idleWarningS = 60, iframeHosts = [], identity = null }) {
  const toml = [
    '[paths]',
    `dialogs = ${JSON.stringify(repoDialogs ? join(repoRoot, 'dialogs') : fixtureDialogs)}`,
    `locales = ${JSON.stringify(join(repoRoot, 'locales'))}`,
    '',
    '[[sites]]',
    'id = "demo"',
    'allowed_origins = ["http://127.0.0.1:*", "http://localhost:*"]',
    `dialog = ${JSON.stringify(dialog)}`,
    'default_locale = "en"',
    `idle_timeout_s = ${idleTimeoutS}`,
    `idle_warning_s = ${idleWarningS}`,
    `iframe_hosts = ${JSON.stringify(iframeHosts)}`,
    '',
  ];
  if (identity) {
    toml.push(
      '[sites.identity]', 'required = true', '',
      '[[sites.identity.keys]]', `kid = ${JSON.stringify(identity.kid)}`,
      `public_key_pem = ${JSON.stringify(identity.publicKeyPem)}`, '',
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), 'staffetta-config-')), 'staffetta.toml');
  writeFileSync(file, toml.join('\n'));
  process.env.STAFFETTA_CONFIG = file;
  return file;
}

/** Why the real-server tests cannot run (the binary has no visitor API, e.g. the asset-only
 * dev_server example), or false. */
export async function apiMissing(env) {
  const r = await fetch(`${env.server}/api/v1/sites/demo/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: env.fixtures },
    body: JSON.stringify({ locale: 'en', anonymous_id: '00000000-0000-4000-8000-000000000001' }),
  });
  return r.status === 404 || r.status === 405 ? `POST /api/v1/sites/demo/sessions answered ${r.status}` : false;
}
