// `redis-ha params get|put|list`: the local parameter store, or SSM Parameter Store with
// --backend aws (how an operator seeds a deployment's passwords: CloudFormation cannot create a
// SecureString). Secure values are masked unless --reveal is given; `put` reads the value from
// stdin when it is not an argument, so that a password need not appear in shell history or the
// process list.
import { parameterNameProblem } from '../../functions/core/parameter-name';
import type { ParameterStore } from '../../functions/core/ports';
import { openAwsParameters } from '../backend';
import { openBackend, openBackendForReading, type GlobalOptions, type Io } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { MASK, table } from '../format';

export async function paramsCommand(
  args: readonly string[],
  flags: { secure: boolean; reveal: boolean; json: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const [action, name, value] = args;
  if (action !== 'get' && action !== 'put' && action !== 'list')
    throw new CliError(
      ExitCode.usage,
      `params: expected get, put or list, got ${action ? `"${action}"` : 'nothing'}`,
    );
  if (!name && action !== 'list')
    throw new CliError(ExitCode.usage, `params ${action}: expected a parameter name`);
  const nameProblem = action === 'put' && name ? parameterNameProblem(name) : undefined;
  // The name is not echoed: a swapped name and value would print the value.
  if (nameProblem)
    throw new CliError(
      ExitCode.dataError,
      `params put: not a Parameter Store name: ${nameProblem.replace(/^"(?:[^"\\]|\\.)*": /, '')}`,
    );
  if (args.length > (action === 'put' ? 3 : 2))
    throw new CliError(
      ExitCode.usage,
      `params ${action}: too many arguments (quote a value with spaces, or give it on stdin)`,
    );
  // A hierarchy path, as Parameter Store's GetParametersByPath takes (checked before the store
  // is opened, so a typo never creates or reads one).
  if (action === 'list' && name !== undefined && !name.startsWith('/'))
    throw new CliError(
      ExitCode.usage,
      `params list: path ${JSON.stringify(name)} must start with / (a Parameter Store hierarchy such as /myapp; default /, everything)`,
    );
  const backend = await openParameters(action, flags.secure, options, io);
  const shown = (v: string, isSecure: boolean) => (isSecure && !flags.reveal ? MASK : v);
  try {
    switch (action) {
      case 'get': {
        if (!name) throw new CliError(ExitCode.usage, 'params get: expected a parameter name');
        const parameter = await backend.parameters.get(name);
        if (!parameter) throw new CliError(ExitCode.dataError, `parameter ${name} not found`);
        io.stdout(
          flags.json
            ? `${JSON.stringify({ ...parameter, value: shown(parameter.value, parameter.isSecure) })}\n`
            : `${shown(parameter.value, parameter.isSecure)}\n`,
        );
        return ExitCode.ok;
      }
      case 'put': {
        if (!name) throw new CliError(ExitCode.usage, 'params put: expected a parameter name');
        const text = value ?? (await io.readStdin()).replace(/\r?\n$/, '');
        if (!text)
          throw new CliError(
            ExitCode.usage,
            `params put ${name}: empty value (give it as an argument or on stdin)`,
          );
        const version = await backend.parameters.put(name, text, { isSecure: flags.secure });
        io.stdout(`${name} version ${version}${flags.secure ? ' (secure)' : ''}\n`);
        return ExitCode.ok;
      }
      case 'list': {
        const parameters = await backend.parameters.list(name ?? '/', { recursive: true });
        if (flags.json) {
          io.stdout(
            `${JSON.stringify(
              parameters.map((p) => ({ ...p, value: shown(p.value, p.isSecure) })),
              null,
              2,
            )}\n`,
          );
        } else {
          io.stdout(
            table(
              ['NAME', 'TYPE', 'VERSION', 'UPDATED', 'VALUE'],
              parameters.map((p) => [
                p.name,
                p.isSecure ? 'SecureString' : 'String',
                String(p.version),
                p.updatedAt,
                shown(p.value, p.isSecure),
              ]),
            ),
          );
        }
        return ExitCode.ok;
      }
      default:
        throw new CliError(
          ExitCode.usage,
          `params: expected get, put or list, got ${action ? `"${action}"` : 'nothing'}`,
        );
    }
  } finally {
    backend.close();
  }
}

/**
 * The parameter store of the chosen backend. Locally only put writes: get and list work on a
 * read-only store and never create one. In AWS the KMS key is needed for a secure put only.
 */
async function openParameters(
  action: 'get' | 'put' | 'list',
  isSecure: boolean,
  options: GlobalOptions,
  io: Io,
): Promise<{ readonly parameters: ParameterStore; close(): void }> {
  if (options.backend === 'aws') {
    const isSecureWrite = action === 'put' && isSecure;
    return {
      parameters: await openAwsParameters(`params ${action}`, options, isSecureWrite),
      close: () => {},
    };
  }
  return action === 'put' ? openBackend(options) : openBackendForReading(options, io);
}
