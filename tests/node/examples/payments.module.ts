// payments.module.ts: NestJS (on Express). The cashier is a provider of the one process that runs
// it: started when the application has bootstrapped, stopped when it shuts down. Its controller
// hands Paysera's callbacks to it, as the exact bytes received (NestFactory's `rawBody: true`).
import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  ServiceUnavailableException,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { Cashier, type CashierOptions, type Client } from 'paysera-scanpay';

@Injectable()
export class CashierRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  #loop: Promise<void> | undefined;

  constructor(@Inject(Cashier) private readonly cashier: Cashier) {}

  onApplicationBootstrap(): void {
    this.#loop = this.cashier.start(); // in the background, on the core's threads
  }

  async onApplicationShutdown(): Promise<void> {
    this.cashier.stop(); // between two steps; a durable store lets the next start finish the rest
    await this.#loop;
  }
}

@Controller('paysera')
export class PayseraCallbackController {
  constructor(@Inject(Cashier) private readonly cashier: Cashier) {}

  @Post('callback')
  @HttpCode(200)
  async callback(@Req() req: RawBodyRequest<Request>): Promise<string> {
    let genuine: boolean;
    try {
      genuine = await this.cashier.handleCallback(req.rawBody ?? ''); // never the parsed req.body
    } catch {
      throw new ServiceUnavailableException(); // Paysera's key could not be fetched: it posts again
    }
    if (!genuine) throw new BadRequestException(); // forged, replayed, not ours: the cashier logged why
    return 'OK';
  }
}

@Module({})
export class PaymentsModule {
  /** `client` and `options` (price, onEvent, store, callbackUri, ...) as for `new Cashier()`. */
  static forRoot(client: Client, options: CashierOptions): DynamicModule {
    return {
      module: PaymentsModule,
      controllers: [PayseraCallbackController],
      providers: [{ provide: Cashier, useFactory: () => new Cashier(client, options) }, CashierRunner],
    };
  }
}

// main.ts, run as the one cashier process (see docs/deployment.md):
//
//   const app = await NestFactory.create(PaymentsModule.forRoot(client, options), { rawBody: true });
//   app.enableShutdownHooks(); // SIGTERM stops the cashier through onApplicationShutdown
//   await app.listen(process.env.PORT ?? 3000);
