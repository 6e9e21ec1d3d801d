/**
 * The crash test's victim: records a VP8 track in real time to `<argv[2]>.webm` (`argv[3]`
 * seconds of media), printing `fed <ms>` after each frame, until the parent kills it.
 */
import { SenderClock } from '../TrackClock';
import { TrackRecorder } from '../TrackRecorder';
import { vp8Frames } from './encodedMedia';
import { packetizeVp8 } from './rtpPacketize';

const [base, seconds] = [process.argv[2]!, Number(process.argv[3])];
const frames = vp8Frames(seconds);
const packets = packetizeVp8(frames, { ssrc: 0x4242, payloadType: 96, seqBase: 0, timestampBase: 0 });
const recorder = await TrackRecorder.create({
  pathWithoutExtension: base,
  codec: 'vp8',
  clockRate: 90000,
  sender: new SenderClock(),
  requestKeyFrame: () => {},
  onError: (err) => {
    console.error(err);
    process.exit(1);
  },
});
const startMs = Date.now();
const ticker = setInterval(() => recorder.tick(Date.now()), 20);
let next = 0;
for (let frame = 0; frame < frames.length; frame++) {
  const dueMs = startMs + (frame * 1000) / 30;
  if (dueMs > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueMs - Date.now()));
  for (; next < packets.length && packets[next]!.frame === frame; next++) recorder.receive(packets[next]!.packet, packets[next]!.packet.length, Date.now());
  process.stdout.write(`fed ${Math.round((frame * 1000) / 30)}\n`);
}
clearInterval(ticker);
await recorder.stop();
