// An S3 source sync against s3rver on 127.0.0.1: the first sync of N blob keys, then a sync
// after 10 new keys are added (the incremental case), with the S3 requests each made.
// npx tsx bench/cloud-sync.ts [N]   (default 5000)
import request from 'supertest';
import { makeTestApp } from '../test/helpers/app.ts';
import { S3_KEYS, startS3 } from '../test/helpers/s3server.ts';

const n = Number(process.argv[2] ?? 5000);
const s3 = await startS3(['bench']);
const t = await makeTestApp({ CLOUD_STORAGE_ALLOW: '127.0.0.1', CLOUD_SYNC_INTERVAL_SECONDS: '3600' });
const keys = Array.from({ length: n }, (_, i) => `img/${String(i).padStart(7, '0')}.jpg`);
for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map((k) => s3.put('bench', k, 'x')));
await request(t.app).post('/api/project/config').type('application/xml').send('<View><Image name="image" value="$image"/></View>');
const report = (round: string, ms: number) => {
  const status = t.project.cloud.status().source!;
  if (!status.last_sync) throw new Error(`the sync failed: ${status.last_error}`);
  console.log(`${round} sync: ${status.last_sync.listed} keys listed, ${status.last_sync.new_tasks} new tasks, ${s3.listings('bench').length} listing requests, ${s3.objectGets('bench').length} object reads, ${ms.toFixed(0)} ms`);
};
s3.requests.length = 0;
let t0 = performance.now();
const res = await request(t.app)
  .post('/api/project/storage-settings?type=s3&storage_for=source')
  .send({ type: 's3', path: 'bench', prefix: 'img/', regex: '.*', data_key: 'image', use_blob_urls: true, endpoint_url: s3.url, ...S3_KEYS });
if (res.status !== 201) throw new Error(res.text);
await t.project.cloud.syncNow(); // joins the sync the POST started
report('first', performance.now() - t0);
for (let i = 0; i < 10; i++) await s3.put('bench', `img/new-${i}.jpg`, 'x');
s3.requests.length = 0;
t0 = performance.now();
await t.project.cloud.syncNow();
report('incremental (10 new)', performance.now() - t0);
await t.close();
await s3.close();
