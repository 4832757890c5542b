#!/usr/bin/env node
// tsyringe needs the Reflect metadata API before anything imports it.
import 'reflect-metadata';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), process);
