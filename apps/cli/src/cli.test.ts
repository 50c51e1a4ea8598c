import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli';
import type { CliIo } from './io';

function captureIo(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    interrupted: () => new Promise(() => {}),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('hcrm argument handling and errors', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'hcrm-cli-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
  const env = (extra: Record<string, string> = {}) => ({ HCRM_STATE_DIR: stateDir, ...extra });

  it('lists the commands and the environment in --help', async () => {
    const cli = captureIo(env());
    expect(await runCli(['--help'], cli.io)).toBe(0);
    for (const word of ['up', 'run', 'query', 'HCRM_STATE_DIR', 'TEMPORAL_ADDRESS']) expect(cli.stdout()).toContain(word);
  });

  it('prints help with no command', async () => {
    const cli = captureIo(env());
    expect(await runCli([], cli.io)).toBe(0);
    expect(cli.stdout()).toContain('Usage: hcrm');
  });

  it('has --help on every command', async () => {
    for (const command of ['up', 'run', 'query', 'ingest']) {
      const cli = captureIo(env());
      expect(await runCli([command, '--help'], cli.io)).toBe(0);
      expect(cli.stdout()).toContain(`Usage: hcrm ${command}`);
    }
  });

  it('rejects an unknown command with exit code 2 and points at --help', async () => {
    const cli = captureIo(env());
    expect(await runCli(['deploy'], cli.io)).toBe(2);
    expect(cli.stderr()).toContain("unknown command 'deploy'");
    expect(cli.stderr()).toContain('hcrm --help');
  });

  it('suggests the closest command for a typo', async () => {
    const cli = captureIo(env());
    expect(await runCli(['rnu'], cli.io)).toBe(2);
    expect(cli.stderr()).toContain('run');
  });

  it('requires the SQL of query', async () => {
    const cli = captureIo(env());
    expect(await runCli(['query'], cli.io)).toBe(2);
    expect(cli.stderr()).toContain("missing required argument 'sql'");
  });

  it('says how to build the warehouse when query finds none', async () => {
    const cli = captureIo(env());
    expect(await runCli(['query', 'select 1'], cli.io)).toBe(1);
    expect(cli.stderr()).toContain('No warehouse at');
    expect(cli.stderr()).toContain('hcrm run');
  });

  it('names the missing venv and the set-up command', async () => {
    const cli = captureIo(env({ HCRM_VENV: join(stateDir, 'no-venv') }));
    expect(await runCli(['run'], cli.io)).toBe(1);
    expect(cli.stderr()).toContain(join(stateDir, 'no-venv'));
    expect(cli.stderr()).toContain('npm run setup');
  });

  describe('with TEMPORAL_ADDRESS pointing at nothing', () => {
    let server: Server;
    let closedPort: number;
    beforeEach(async () => {
      // Reserve a port, then free it: nothing listens there during the test.
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      closedPort = typeof address === 'object' && address ? address.port : 1;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    for (const command of ['run', 'up']) {
      it(`${command} names the address and how to start a local server`, async () => {
        const cli = captureIo(env({ TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` }));
        expect(await runCli([command], cli.io)).toBe(1);
        expect(cli.stderr()).toContain(`Cannot reach Temporal at 127.0.0.1:${closedPort} (from TEMPORAL_ADDRESS)`);
        expect(cli.stderr()).toContain('hcrm up');
      });
    }
  });

  describe('ingest', () => {
    it('names the known sources when the source is not registered', async () => {
      const cli = captureIo(env());
      expect(await runCli(['ingest', 'hubspot', 'x.jsonl'], cli.io)).toBe(1);
      expect(cli.stderr()).toMatch(/source "hubspot" is not registered; known sources: .*gadget, manual.*; add one with `npx nx g @hcrm\/nx-plugin:source <name>`/);
    });

    it('explains that loader-fed sources do not take files', async () => {
      const cli = captureIo(env());
      expect(await runCli(['ingest', 'gadget', 'x.jsonl'], cli.io)).toBe(1);
      expect(cli.stderr()).toContain('hcrm ingest manual <file>');
    });

    it('says which file is missing', async () => {
      const cli = captureIo(env());
      expect(await runCli(['ingest', 'manual', join(stateDir, 'nope.jsonl')], cli.io)).toBe(1);
      expect(cli.stderr()).toContain(`No such file: ${join(stateDir, 'nope.jsonl')}`);
    });

    it('asks for --format when the extension does not tell', async () => {
      const file = join(stateDir, 'export.txt');
      writeFileSync(file, '');
      const cli = captureIo(env());
      expect(await runCli(['ingest', 'manual', file], cli.io)).toBe(1);
      expect(cli.stderr()).toContain('pass --format jsonl or --format csv');
    });

    it('accepts only the known formats', async () => {
      const cli = captureIo(env());
      expect(await runCli(['ingest', 'manual', 'x', '--format', 'xml'], cli.io)).toBe(2);
      expect(cli.stderr()).toContain('--format xml: the manual source reads jsonl, csv files.');
    });
  });

  it('rejects a malformed TEMPORAL_ADDRESS', async () => {
    const cli = captureIo(env({ TEMPORAL_ADDRESS: 'localhost' }));
    expect(await runCli(['run'], cli.io)).toBe(1);
    expect(cli.stderr()).toContain('not a host:port');
  });
});
