import { Failpoints } from './failpoints';

describe('Failpoints', () => {
  it('crashes once the armed number of records has passed, counted in whole batches, and only once', () => {
    const crash = jest.fn();
    const f = new Failpoints(Failpoints.parse('relay.after-ack:10'), crash);
    f.pass('relay.after-ack', 4);
    f.pass('inbound.after-store', 50);
    f.pass('relay.after-ack', 5);
    expect(crash).not.toHaveBeenCalled();
    f.pass('relay.after-ack', 3);
    expect(crash).toHaveBeenCalledTimes(1);
    f.pass('relay.after-ack', 100);
    expect(crash).toHaveBeenCalledTimes(1);
  });

  it('does nothing when none is armed', () => {
    const crash = jest.fn();
    const f = new Failpoints(Failpoints.parse(undefined), crash);
    f.pass('relay.after-ack', 1_000_000);
    expect(crash).not.toHaveBeenCalled();
    expect(f.armed).toEqual([]);
  });

  it('parses several points and names what it armed', () => {
    expect(new Failpoints(Failpoints.parse('relay.after-ack:700, inbound.after-store:1')).armed).toEqual([
      'relay.after-ack:700',
      'inbound.after-store:1',
    ]);
  });

  it.each(['relay.after-ack', 'relay.after-ack:0', 'relay.before-ack:5', 'relay.after-ack:-1'])(
    'refuses "%s" naming the variable',
    (spec) => {
      expect(() => Failpoints.parse(spec)).toThrow(/XIETONG_FAILPOINTS must be/);
    },
  );
});
