// A third-party plugin, as the README shows it: taps the run's taskEnd hook at the OBSERVE stage and
// reports failures. Written against the package's public API only.
import { definePlugin, STAGE } from 'rebuild';

export const notifyOnFailure = definePlugin((report: (line: string) => void) => ({
  name: 'acme:notify',
  apply(engine) {
    engine.hooks.run.tap('acme:notify', (run) => {
      run.hooks.taskEnd.tap({ name: 'acme:notify', stage: STAGE.OBSERVE }, (result) => {
        if (result.status === 'failed') report(`${result.id} failed: ${result.reason}`);
      });
    });
  },
}));
