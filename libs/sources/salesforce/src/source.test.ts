import { describeSourceContract } from '@hcrm/contracts/testing';
import { source } from './index';

describeSourceContract(source, import.meta.url);
