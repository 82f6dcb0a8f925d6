import { getSystemInfo } from '../system';
import type { CliCommand } from './command';

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'print the app version, Node version and ONNX Runtime execution providers',
  usage: 'coherency version [--json]',
  async run(args, io) {
    const info = await getSystemInfo({ transport: 'cli' });
    if (args.includes('--json')) io.out(JSON.stringify(info));
    else {
      io.out(`Coherency Workstation ${info.appVersion}`);
      io.out(`node ${info.versions.node ?? '?'}  platform ${info.platform}/${info.arch}`);
      io.out(`onnxruntime ${info.onnxRuntime.version ?? 'unavailable'}: ${info.onnxRuntime.executionProviders.join(', ') || 'none'}`);
    }
    return 0;
  },
};
