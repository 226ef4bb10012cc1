// `palisade crs fetch`: download an OWASP CRS release, verify its SHA-256 and extract it.
import { CRS_DEFAULT_BASE_URL, CrsFetchError, fetchCrs } from '../waf/index.js';
import { str, usage } from './command.js';
import type { Command } from './command.js';

export const CRS_COMMANDS: Record<string, Command> = {
  'crs fetch': {
    summary: 'Download an OWASP CRS release, verify its SHA-256 and extract it.',
    usage: 'palisade crs fetch --version 4.28.0 [--dest crs] [--sha256 HEX] [--base-url URL]',
    details: `The archive is <base-url>/v<version>/coreruleset-<version>-minimal.tar.gz (default base: ${CRS_DEFAULT_BASE_URL}).\nWithout --sha256, the checksum is read from the archive URL + ".sha256". Nothing is extracted when it does not match.`,
    options: {
      version: { type: 'string', description: 'CRS release, e.g. 4.28.0 (required)' },
      dest: { type: 'string', short: 'o', description: 'folder to extract into (default: ./crs-<version>)' },
      sha256: { type: 'string', description: 'expected SHA-256 of the archive (hex)' },
      'base-url': { type: 'string', description: 'release download base URL (mirrors, air-gapped setups)' },
    },
    run: async (v) => {
      const version = str(v, 'version');
      if (!version) throw usage('crs fetch needs --version (e.g. --version 4.28.0)');
      try {
        const r = await fetchCrs({ version, dest: str(v, 'dest') ?? `crs-${version}`, sha256: str(v, 'sha256'), baseUrl: str(v, 'base-url') });
        process.stdout.write(`CRS ${version}: ${r.files} files extracted to ${r.dest}\n  from ${r.url}\n  sha256 ${r.sha256} (verified)\n`);
        return 0;
      } catch (e) {
        if (e instanceof CrsFetchError) {
          process.stderr.write(`palisade crs fetch: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
    },
  },
};
