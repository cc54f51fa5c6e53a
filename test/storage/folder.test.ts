// The store contract (contract.ts) against the folder engine, each test on a fresh folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FolderStore } from '../../src/storage/folder/folderStore.ts';
import { storeContract } from './contract.ts';

const roots: string[] = [];

afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

storeContract('folder', async ({ reservationMs }) => {
  const root = await mkdtemp(join(tmpdir(), 'ls-contract-'));
  roots.push(root);
  const dir = join(root, 'p');
  const store = await FolderStore.open(dir, 'p', { create: true, reservationMs });
  return { store, reopen: () => FolderStore.open(dir, 'p', { reservationMs }) };
});
