// `converge` in JavaScript: the same apply as `supd` and the Python
// package, with the node reached only through `run(script)`, an async
// function returning {stdout, exitCode, stderr} (or [stdout, exitCode]).
// Every piece of supervisord logic is in the components; this file only
// passes values between them and the node.
import { load, ProviderError } from './host.mjs';

// Bounds and the lock wait are the node-script component's defaults.
const BOUNDS = { 'max-steps': null, 'max-bytes': null, 'lock-wait-secs': null };

/** Runs `sh -s` on this machine with the script on its standard input. */
export async function localRunner(script) {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      exitCode: code,
    }));
    child.stdin.end(script);
  });
}

const output = (result) => {
  const [stdout, exitCode, stderr] = Array.isArray(result)
    ? result
    : [result.stdout, result.exitCode, result.stderr];
  return { stdout: stdout ?? '', stderr: stderr ?? '', 'exit-code': exitCode ?? null };
};

/** Loads the bundled components once; returns `converge`. */
export async function supervision(dir = './generated') {
  const provider = await load('supervisord', dir);
  const facility = await load('app-deploy', dir);
  const scripts = await load('node-script', dir);
  const supervisor = provider.call('register-provider', []).name;
  const facilityName = facility.call('facility-name', []);

  // A mapping's whole result ({tag, val}): the facility component of that
  // name first (its program, the generic facility's JSON, read by the
  // provider; the bundled facility needs no grant), then the provider's
  // own `config-map`.
  const mapping = (request) => {
    if (request.facility === facilityName) {
      const result = facility.call('config-map', [request.supervisor, request.settings]);
      if (result.tag === 'ok') {
        return provider.call('facility-program', [request.facility, result.val, null]);
      }
      if (result.val.kind !== 'not-implemented') return result;
    }
    return provider.call('config-map', [request.facility, request.settings]);
  };

  /**
   * Makes the node run exactly `services` (name -> {facility, settings}) of
   * `scope`. mode: "apply" or "check"; root: the node's root (a sandbox
   * directory); role: "daemon" (owns supervisord, from `settings`) or
   * "programs" (adds programs to the supervisord the node records).
   */
  async function converge(settings, services, run, {
    mode = 'apply', diff = false, root = '/', scope = '', role = 'daemon', exclusive = false, absent = [],
  } = {}) {
    const text = JSON.stringify(settings ?? {});
    const declaration = { scope, role, exclusive, absent };
    const requests = scripts.invoke('requests', [supervisor, JSON.stringify(services ?? {})]);
    const programs = scripts.invoke('programs', [requests, requests.map(mapping)]);
    // Errors about a program, placed at the service it came from.
    const placed = (call) => {
      try {
        return call();
      } catch (e) {
        if (!(e instanceof ProviderError)) throw e;
        const error = scripts.call('service-error', [requests, programs, e.error]);
        throw new ProviderError(error);
      }
    };
    placed(() => provider.invoke('check-programs', [programs]));
    const probes = placed(() => provider.invoke('probes', [text, declaration, programs, root]));
    const facts = scripts.invoke('parse-facts', [
      probes, root, output(await run(scripts.call('facts-script', [probes]))),
    ]);
    const plan = scripts.call('converge-plan', [
      placed(() => provider.invoke('install-plan', [text, declaration, facts])),
      placed(() => provider.invoke('configure-plan', [text, declaration, programs, facts])),
    ]);
    const options = { check: mode === 'check', diff, title: 'supervisord-crate (JavaScript)', ...BOUNDS };
    const script = scripts.invoke('apply-script', [plan, options]);
    if (plan.steps.length === 0) {
      return { ...scripts.call('parse-report', [plan, options, null, facts]), 'round-trips': 1 };
    }
    const report = scripts.call('parse-report', [plan, options, output(await run(script)), facts]);
    return { ...report, 'round-trips': 2 };
  }

  return { converge };
}
