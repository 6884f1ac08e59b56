import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script, constants } from 'node:vm';

/**
 * Requires a bundle (dist/runtime.js, dist/server.js) the way `require` does, but through V8's code
 * cache: compiling the 3 MB runtime costs each new process about 200 ms of CPU, which the cache saves
 * from the second start on. The cache lives in POWERAGENT_CACHE_DIR or the user's cache folder
 * (~/.cache/power-agent-mcp, or under XDG_CACHE_HOME), in a folder only this user may write: V8
 * trusts what it reads there. Its name carries a hash of the bundle's bytes and the Node version, so a
 * rebuilt or updated bundle never meets an old cache. POWERAGENT_CODE_CACHE=0 turns it off; any
 * failure falls back to a plain `require`.
 */
export function requireWithCodeCache<T>(
  file: string,
  env: Record<string, string | undefined> = process.env,
  persist: (write: () => void) => void = writeAtExit,
): T {
  const cache = env.POWERAGENT_CODE_CACHE === '0' ? undefined : cacheFolder(env);
  const loaded = (require.cache[file]?.exports as T | undefined) ?? (cache ? loadCached<T>(file, cache, persist) : undefined);
  return loaded ?? (createRequire(__filename)(file) as T);
}

/**
 * POWERAGENT_CACHE_DIR (where the sign-in cache goes too), else the user's cache folder: XDG_CACHE_HOME
 * or ~/.cache (LOCALAPPDATA on Windows).
 */
function cacheFolder(env: Record<string, string | undefined>): string | undefined {
  try {
    if (env.POWERAGENT_CACHE_DIR) return join(env.POWERAGENT_CACHE_DIR, 'code-cache');
    const windows = process.platform === 'win32';
    const given = windows ? env.LOCALAPPDATA : env.XDG_CACHE_HOME;
    const base = given && isAbsolute(given) ? given : join(homedir(), windows ? join('AppData', 'Local') : '.cache');
    return join(base, 'power-agent-mcp', 'code-cache');
  } catch {
    return undefined;
  }
}

/** As the process exits, so the cache also holds the functions compiled on first use since the load. */
const writeAtExit = (write: () => void) => void process.once('exit', write);

function loadCached<T>(file: string, folder: string, persist: (write: () => void) => void): T | undefined {
  // import() inside the script needs Node's own loader, which Node names only from 20.12 on.
  const defaultLoader = (constants as Partial<typeof constants> | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (defaultLoader === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const name = basename(file, '.js');
  const key = createHash('sha256').update(bytes).update(process.version).update(process.arch).digest('hex').slice(0, 24);
  const cacheFile = join(folder, `${name}-${key}.v8`);
  const cachedData = readOwnFile(folder, cacheFile);
  let script: Script;
  try {
    script = new Script(Module.wrap(bytes.toString('utf8')), { filename: file, cachedData, importModuleDynamically: defaultLoader });
  } catch {
    return undefined;
  }
  const module = new Module(file, require.main);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(file));
  require.cache[file] = module;
  try {
    (script.runInThisContext() as ModuleWrapper).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  } catch (error) {
    delete require.cache[file];
    throw error;
  }
  module.loaded = true;
  if (!cachedData || script.cachedDataRejected) persist(() => writeCache(folder, cacheFile, name, script));
  return module.exports as T;
}

type ModuleWrapper = (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;

/** The cache file's bytes, only when this user owns it and its folder and no one else may write either. */
function readOwnFile(folder: string, file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!ownedAndPrivate(statSync(folder))) return undefined;
    fd = openSync(file, 'r');
    if (!ownedAndPrivate(fstatSync(fd))) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function ownedAndPrivate(stats: { uid: number; mode: number }): boolean {
  if (typeof process.getuid !== 'function') return true;
  return stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
}

/** Writes the cache beside no other: the caches of earlier builds of this bundle are removed. */
function writeCache(folder: string, cacheFile: string, name: string, script: Script): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (!ownedAndPrivate(statSync(folder))) return;
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, cacheFile);
    // Also the temporary files of writes cut short (a process stopped between write and rename). One of
    // a process writing at this moment may go too: its rename then fails, and only its cache is lost.
    for (const entry of readdirSync(folder)) {
      const earlier = entry.endsWith('.v8') || (entry.endsWith('.tmp') && !entry.endsWith(`.${process.pid}.tmp`));
      if (entry.startsWith(`${name}-`) && earlier && join(folder, entry) !== cacheFile) unlinkSync(join(folder, entry));
    }
  } catch {
    // A cache that cannot be written costs the next start its compile time, nothing more.
  }
}
