/** Patient supply orders: catalogue, order, prescription check, reservation, picking, delivery or collection, billing, returns. Commands `orders.*` on the clinic's bus. */
export { createOrders, type OrdersService, type OrdersDeps } from './orders.service';
export * from './errors';
