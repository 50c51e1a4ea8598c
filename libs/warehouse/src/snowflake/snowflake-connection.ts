import { accessSync, constants } from 'node:fs';
import snowflake, { type Column, type Connection, type ConnectionOptions } from 'snowflake-sdk';
import { type SqlValue, WarehouseUnavailableError } from '../warehouse';
import { FETCH_AS_STRING } from './snowflake-values';
import type { SnowflakeWarehouseOptions } from './snowflake-warehouse';

/** Longest a login may take, retries included: a wrong host must fail in seconds, not minutes. */
export const LOGIN_DEADLINE_MS = 20_000;

/**
 * Binds per statement, at most. The driver sends an array binding of more than its threshold
 * through a temporary stage (PUT, then COPY); below it, inline in the request, the path every
 * statement here takes (and the only one fakesnow serves). Snowflake's own connectors switch
 * to the stage above 65,280 binds, so 50,000 stays inline wherever this runs.
 */
export const MAX_BINDS_PER_STATEMENT = 50_000;

type Credentials = Pick<ConnectionOptions, 'password' | 'authenticator' | 'privateKeyPath' | 'privateKeyPass'>;

/** How this process logs in: the driver's options, and the names (never the values) of the settings. */
export interface Login {
  credentials: Credentials;
  settings: string;
  secrets: string[];
}

/**
 * The credentials, from the environment only: they never pass through configuration files,
 * options or logs. A key pair (`SNOWFLAKE_PRIVATE_KEY_PATH`) wins over a password.
 *
 * @throws WarehouseUnavailableError when neither is set or the key file cannot be read.
 */
export function loginFrom(env: Record<string, string | undefined>): Login {
  const keyPath = env.SNOWFLAKE_PRIVATE_KEY_PATH?.trim();
  if (keyPath) {
    assertReadable(keyPath);
    const passphrase = env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE || undefined;
    return {
      credentials: { authenticator: 'SNOWFLAKE_JWT', privateKeyPath: keyPath, ...(passphrase ? { privateKeyPass: passphrase } : {}) },
      settings: passphrase
        ? 'SNOWFLAKE_PRIVATE_KEY_PATH and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (and that the user has the matching public key)'
        : 'SNOWFLAKE_PRIVATE_KEY_PATH (and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted, and that the user has the matching public key)',
      secrets: passphrase ? [passphrase] : [],
    };
  }
  const password = env.SNOWFLAKE_PASSWORD;
  if (password) return { credentials: { password }, settings: 'SNOWFLAKE_PASSWORD', secrets: [password] };
  throw new WarehouseUnavailableError(
    'Snowflake needs credentials in the environment of the process that opens the warehouse: set SNOWFLAKE_PASSWORD, or SNOWFLAKE_PRIVATE_KEY_PATH (a PEM private key file, with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if it is encrypted) for key-pair authentication.',
  );
}

function assertReadable(keyPath: string): void {
  try {
    accessSync(keyPath, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new WarehouseUnavailableError(
      `SNOWFLAKE_PRIVATE_KEY_PATH is ${keyPath}, which cannot be read (${code}): point it at the Snowflake user's PEM private key file.`,
    );
  }
}

/** The endpoint as messages name it: the account, and the host when it is not Snowflake's own. */
function describeEndpoint(options: SnowflakeWarehouseOptions): string {
  return options.host ? `account "${options.account}" at ${accessUrl(options)}` : `account "${options.account}"`;
}

function accessUrl(options: SnowflakeWarehouseOptions): string {
  return `${options.protocol ?? 'https'}://${options.host}${options.port ? `:${options.port}` : ''}`;
}

/**
 * The driver's options. Login retries are cut to one: by default the driver retries an
 * unreachable endpoint seven times with growing sleeps, a minute or more before it gives up,
 * while the pipeline could do nothing else with the warehouse (it fails the activity without
 * retrying).
 */
function connectionOptions(options: SnowflakeWarehouseOptions, login: Login): ConnectionOptions {
  return {
    account: options.account,
    username: options.user,
    database: options.database,
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.warehouse ? { warehouse: options.warehouse } : {}),
    ...(options.role ? { role: options.role } : {}),
    ...(options.host ? { accessUrl: accessUrl(options) } : {}),
    ...login.credentials,
    sfRetryMaxLoginRetries: 1,
    arrayBindingThreshold: MAX_BINDS_PER_STATEMENT,
    fetchAsString: FETCH_AS_STRING,
    representNullAsStringNull: false,
  };
}

let driverConfigured = false;

/**
 * By default the driver logs every connection at INFO to the console and to ./snowflake.log.
 * Its errors reach callers as the errors this adapter throws, so it logs nothing here.
 */
function configureDriver(): void {
  if (driverConfigured) return;
  driverConfigured = true;
  const ignore = () => undefined;
  snowflake.configure({ logLevel: 'OFF', customLogger: { error: ignore, warn: ignore, info: ignore, debug: ignore, trace: ignore } });
}

/**
 * Logs in, within LOGIN_DEADLINE_MS.
 *
 * @throws WarehouseUnavailableError naming the endpoint and the settings to check.
 */
export async function connect(options: SnowflakeWarehouseOptions, login: Login): Promise<Connection> {
  configureDriver();
  let connection: Connection;
  try {
    connection = snowflake.createConnection(connectionOptions(options, login));
  } catch (error) {
    throw new WarehouseUnavailableError(
      `Invalid Snowflake settings for ${describeEndpoint(options)}: ${redact(messageOf(error), login.secrets)}. Check SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_DATABASE.`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LoginDeadlineExceeded(`no answer within ${LOGIN_DEADLINE_MS / 1000} s`)), LOGIN_DEADLINE_MS);
  });
  try {
    await Promise.race([logIn(connection), deadline]);
    return connection;
  } catch (error) {
    connection.destroy(() => undefined);
    throw loginFailure(error, options, login);
  } finally {
    clearTimeout(timer);
  }
}

/** `connectAsync` resolves even when the login fails; only its callback hears of the error. */
function logIn(connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject);
  });
}

class LoginDeadlineExceeded extends Error {}

/** The driver's errors for a request that got no usable answer; any other failure is the login's. */
const NETWORK_ERRORS = ['NetworkError', 'RequestFailedError', 'UnexpectedContentError'];

function loginFailure(error: unknown, options: SnowflakeWarehouseOptions, login: Login): WarehouseUnavailableError {
  const said = redact(messageOf(error), login.secrets).replace(/\.+$/, '');
  const endpoint = describeEndpoint(options);
  if (error instanceof LoginDeadlineExceeded || (error instanceof Error && NETWORK_ERRORS.includes(error.name))) {
    const where = options.host ? 'SNOWFLAKE_ACCOUNT, SNOWFLAKE_HOST, SNOWFLAKE_PORT and SNOWFLAKE_PROTOCOL' : 'SNOWFLAKE_ACCOUNT (the account identifier, e.g. myorg-myaccount)';
    return new WarehouseUnavailableError(`Cannot reach Snowflake (${endpoint}): ${said}. Check ${where}, and that this machine can reach it.`);
  }
  // Snowflake said no (wrong password or key, unknown user, role not granted), or the key
  // could not be used (wrong passphrase, not a private key).
  return new WarehouseUnavailableError(
    `Cannot log in to Snowflake (${endpoint}) as user "${options.user}": ${said}. Check SNOWFLAKE_USER and ${login.settings}${options.role ? ', and SNOWFLAKE_ROLE' : ''}.`,
  );
}

/**
 * The driver's message, with what it leaves out: the underlying network error (e.g.
 * ECONNREFUSED) or the HTTP status (e.g. 403 for an account that does not exist).
 */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? error.cause.message : undefined;
  const details = [status ? `HTTP ${status}` : undefined, cause].filter(Boolean);
  return details.length ? `${error.message} (${details.join('; ')})` : error.message;
}

/** The driver masks secrets in its logs; messages built from its errors get the same care. */
function redact(message: string, secrets: readonly string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('***'), message);
}

export interface StatementResult {
  columns: Column[];
  rows: unknown[][];
}

/** Runs one statement; `binds` is one row of values, or several rows for an array binding. */
export function run(connection: Connection, sqlText: string, binds: readonly SqlValue[] | readonly SqlValue[][] = []): Promise<StatementResult> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds.length ? { binds } : {}),
      rowMode: 'array',
      complete: (error, statement, rows) => {
        if (error) reject(error);
        else resolve({ columns: statement.getColumns() ?? [], rows: (rows ?? []) as unknown[][] });
      },
    });
  });
}

/** Logs out. A failure is not worth an error: the session expires on the server by itself. */
export function disconnect(connection: Connection): Promise<void> {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}
