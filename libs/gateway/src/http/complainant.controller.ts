import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentCaller } from '../auth/caller.decorator';
import { type Caller, ComplainantReader, parseQuery, PARTNER, pathParam, Roles } from '@xietong/exchange';

/**
 * Complainant personal data, decrypted only here: at the handling agency, for its handler role,
 * and every access is recorded before the data leaves (who, which complaint, when, from where).
 * `?partner=` names the sending agency when two partners used the same complaint number.
 */
@Controller('api/v1/complaints')
export class ComplainantController {
  constructor(private readonly reader: ComplainantReader) {}

  @Get(':complaintNo/complainant')
  @Roles('handler')
  async complainant(
    @Param('complaintNo') complaintNo: string,
    @Query() query: unknown,
    @CurrentCaller() caller: Caller,
  ) {
    pathParam(complaintNo, 'complaintNo');
    const { partner } = parseQuery(query, { partner: PARTNER });
    return this.reader.read(complaintNo, caller, partner);
  }
}
