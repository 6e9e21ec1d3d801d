import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendHistory, SentState } from './SendHistory';

describe('SendHistory', () => {
  it('keeps each packet’s time, size, cluster and state apart, as four arrays of their own did', () => {
    const history = new SendHistory(16, 0xfffe);
    const packets: Array<[number, number, number]> = [
      [12.375, 1116, -1],
      [13.5, 0, 0],
      [14.25, 0xffff, 0x3fff],
      [15, 70_000, 7], // over 16 bits: kept as 0xffff
      [16.125, 255, 0x8000], // an int16 wraps, as Int16Array kept it
      [17, 1, -2],
    ];
    const seqs = packets.map(([ms, size, cluster]) => history.add(ms, size, cluster));
    assert.deepEqual(seqs, [0xfffe, 0xffff, 0, 1, 2, 3]);
    const expected = [
      [12.375, 1116, -1],
      [13.5, 0, 0],
      [14.25, 0xffff, 0x3fff],
      [15, 0xffff, 7],
      [16.125, 255, -0x8000],
      [17, 1, -2],
    ];
    for (let i = 0; i < seqs.length; i++) {
      const slot = history.slotOf(seqs[i]!);
      assert.deepEqual([history.sendTimeAt(slot), history.sizeAt(slot), history.clusterAt(slot)], expected[i], `packet ${i}`);
      assert.equal(history.stateAt(slot), SentState.Pending);
    }
    const slot = history.slotOf(seqs[2]!);
    history.setState(slot, SentState.Lost);
    assert.equal(history.stateAt(slot), SentState.Lost);
    history.setState(slot, SentState.Acked);
    assert.equal(history.stateAt(slot), SentState.Acked);
    assert.deepEqual([history.sendTimeAt(slot), history.sizeAt(slot), history.clusterAt(slot)], [14.25, 0xffff, 0x3fff], 'the state leaves the rest alone');
    assert.equal(history.stateAt(history.slotOf(seqs[1]!)), SentState.Pending, 'and the neighbours');
    assert.equal(history.stateAt(history.slotOf(seqs[3]!)), SentState.Pending);
  });

  it('a slot reused by a newer packet starts pending again', () => {
    const history = new SendHistory(16);
    const first = history.slotOf(history.add(1, 100, 3));
    history.setState(first, SentState.Acked);
    for (let i = 0; i < 15; i++) history.add(2 + i, 100);
    const reused = history.slotOf(history.add(20, 200, -1));
    assert.equal(reused, first);
    assert.deepEqual([history.sendTimeAt(reused), history.sizeAt(reused), history.clusterAt(reused), history.stateAt(reused)], [20, 200, -1, SentState.Pending]);
  });
});
