// The medium tier runs in the counties' time zone, so that an instant read as local time where
// it is UTC (or the reverse) shows as 8 hours off instead of passing on a UTC machine. Set per
// test file and restored after it, so the other jest projects keep the machine's zone.
const { TestEnvironment } = require('jest-environment-node');

class ShanghaiEnvironment extends TestEnvironment {
  async setup() {
    this.previousTz = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai';
    await super.setup();
  }

  async teardown() {
    if (this.previousTz === undefined) delete process.env.TZ;
    else process.env.TZ = this.previousTz;
    await super.teardown();
  }
}

module.exports = ShanghaiEnvironment;
