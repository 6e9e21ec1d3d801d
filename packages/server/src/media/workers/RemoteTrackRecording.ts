import { MediaError } from '../errors';
import type { RecordOptions, TrackRecording, TrackRecordingResult } from '../types';
import type { Endpoint } from './MediaWorker';
import type { RemoteProducer } from './RemoteProducer';

/**
 * A track recording running on a media worker (SfuRecordingSink there): started and stopped by
 * request, its write errors coming back as events. The file is written by the worker thread;
 * nothing of the media crosses to the main thread.
 */
export class RemoteTrackRecording implements TrackRecording, Endpoint {
  private readonly handle: number;
  private stopping: Promise<TrackRecordingResult> | null = null;

  private constructor(
    private readonly producer: RemoteProducer,
    private readonly options: RecordOptions,
    readonly file: string,
    handle: number,
  ) {
    this.handle = handle;
  }

  static async start(producer: RemoteProducer, options: RecordOptions): Promise<RemoteTrackRecording> {
    const worker = producer.transport.worker;
    let recording: RemoteTrackRecording | null = null;
    // Events can come before the reply (an unwritable file fails at once): the endpoint is set first.
    const early: string[] = [];
    const endpoint: Endpoint = {
      failed: () => {},
      recordingError: (message) => (recording === null ? early.push(message) : recording.recordingError(message)),
      recordingFirstFrame: (startMs) => {
        try {
          options.onFirstFrame?.(startMs);
        } catch (err) {
          producer.transport.router.logger.error({ err, producerId: producer.id }, 'recording onFirstFrame threw');
        }
      },
    };
    const handle = worker.handle(endpoint);
    const cancel = (): void => worker.post({ op: 'cancelRecord', recording: handle });
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await worker.requestResult((request) => ({ op: 'record', producer: producer.handle, recording: handle, request, path: options.pathWithoutExtension }));
      if (result?.kind !== 'recordingStarted') throw MediaError.unavailable('the media worker did not say which file it records to');
      recording = new RemoteTrackRecording(producer, options, result.file, handle);
    } catch (err) {
      worker.forget(handle);
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', cancel);
    }
    for (const message of early) recording.recordingError(message);
    return recording;
  }

  failed(): void {}

  recordingError(message: string): void {
    try {
      this.options.onError?.(message);
    } catch (err) {
      this.producer.transport.router.logger.error({ err, producerId: this.producer.id }, 'recording onError threw');
    }
  }

  stop(): Promise<TrackRecordingResult> {
    this.stopping ??= this.stopOnWorker();
    return this.stopping;
  }

  private async stopOnWorker(): Promise<TrackRecordingResult> {
    const worker = this.producer.transport.worker;
    try {
      const r = await worker.requestResult((request) => ({ op: 'stopRecording', recording: this.handle, request }));
      if (r?.kind !== 'recordingStopped') throw MediaError.unavailable('the media worker sent no recording result');
      const { kind: _, ...result } = r;
      return { ...result, startMs: r.startMs ?? Number.NaN, endMs: r.endMs ?? Number.NaN };
    } finally {
      worker.forget(this.handle);
    }
  }
}
