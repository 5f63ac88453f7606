import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore } from '../store/open.js';
import { analyzeCommand } from './analyze.js';
import { renderAssetTable } from './assets.js';
import { fmtInt } from './format.js';
import { sortAssets } from './inventory-view.js';

type Out = (line: string) => void;

/**
 * `plantwarden demo`: write a capture of the project's own demo factory, analyse it into a
 * fresh database and show what was found.
 */
export async function demoCommand(
  opts: { out: string; db: string; packets: number },
  out: Out = console.log,
): Promise<number> {
  const capture = resolve(opts.out);
  const db = resolve(opts.db);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${db}${suffix}`, { force: true });
  // The generator is only loaded for the demo.
  const { writePlantCapture } = await import('../demo/plant.js');
  const gen = writePlantCapture(capture, { packets: opts.packets });
  out(`Wrote the demo plant's traffic to ${capture} (${fmtInt(gen.packets)} packets).`);
  out('');
  const code = await analyzeCommand([capture], { db, progress: false }, out);
  if (code !== 0) return code;
  const store = await openStore(db);
  try {
    const assets = sortAssets(await store.listAssets());
    out('');
    out(renderAssetTable(assets));
    out('');
    out(`Next: plantwarden assets --db ${opts.db}   |   plantwarden asset <ip|mac> --db ${opts.db}`);
  } finally {
    await store.close();
  }
  return 0;
}
