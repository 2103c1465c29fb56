//! A tiny single-symbol limit order book with price-time priority matching.
//!
//! Prices are integer ticks so that matching never depends on floating point.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

pub type OrderId = u64;
pub type Price = u64;
pub type Quantity = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// A fill between an incoming (taker) order and a resting (maker) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub taker: OrderId,
    pub maker: OrderId,
    pub price: Price,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    ZeroQuantity,
    ZeroPrice,
    DuplicateOrderId(OrderId),
    UnknownOrder(OrderId),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::ZeroQuantity => write!(f, "quantity must be positive"),
            EngineError::ZeroPrice => write!(f, "limit price must be positive"),
            EngineError::DuplicateOrderId(id) => write!(f, "order id {id} already in use"),
            EngineError::UnknownOrder(id) => write!(f, "no resting order with id {id}"),
        }
    }
}

impl std::error::Error for EngineError {}

#[derive(Debug, Clone)]
struct Resting {
    id: OrderId,
    remaining: Quantity,
}

/// Outcome of submitting an order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Execution {
    pub trades: Vec<Trade>,
    /// Quantity left resting on the book (always 0 for market orders).
    pub resting: Quantity,
    /// Quantity of a market order that found no liquidity and was cancelled.
    pub cancelled: Quantity,
}

impl Execution {
    pub fn filled(&self) -> Quantity {
        self.trades.iter().map(|t| t.quantity).sum()
    }
}

#[derive(Debug, Default)]
pub struct OrderBook {
    bids: BTreeMap<Price, VecDeque<Resting>>,
    asks: BTreeMap<Price, VecDeque<Resting>>,
    index: HashMap<OrderId, (Side, Price)>,
}

impl OrderBook {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn best_bid(&self) -> Option<Price> {
        self.bids.keys().next_back().copied()
    }

    pub fn best_ask(&self) -> Option<Price> {
        self.asks.keys().next().copied()
    }

    /// Total resting quantity at a price level.
    pub fn depth_at(&self, side: Side, price: Price) -> Quantity {
        self.levels(side)
            .get(&price)
            .map_or(0, |q| q.iter().map(|o| o.remaining).sum())
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn levels(&self, side: Side) -> &BTreeMap<Price, VecDeque<Resting>> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn levels_mut(&mut self, side: Side) -> &mut BTreeMap<Price, VecDeque<Resting>> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Submit a limit order: match what crosses, rest the remainder.
    pub fn limit(
        &mut self,
        id: OrderId,
        side: Side,
        price: Price,
        quantity: Quantity,
    ) -> Result<Execution, EngineError> {
        if price == 0 {
            return Err(EngineError::ZeroPrice);
        }
        self.validate(id, quantity)?;
        let (trades, remaining) = self.match_against(id, side, Some(price), quantity);
        if remaining > 0 {
            self.levels_mut(side)
                .entry(price)
                .or_default()
                .push_back(Resting { id, remaining });
            self.index.insert(id, (side, price));
        }
        Ok(Execution {
            trades,
            resting: remaining,
            cancelled: 0,
        })
    }

    /// Submit a market order: match at any price; the unfilled rest is cancelled.
    pub fn market(
        &mut self,
        id: OrderId,
        side: Side,
        quantity: Quantity,
    ) -> Result<Execution, EngineError> {
        self.validate(id, quantity)?;
        let (trades, remaining) = self.match_against(id, side, None, quantity);
        Ok(Execution {
            trades,
            resting: 0,
            cancelled: remaining,
        })
    }

    /// Cancel a resting order, returning its unfilled quantity.
    pub fn cancel(&mut self, id: OrderId) -> Result<Quantity, EngineError> {
        let (side, price) = self
            .index
            .remove(&id)
            .ok_or(EngineError::UnknownOrder(id))?;
        let levels = self.levels_mut(side);
        let queue = levels.get_mut(&price).expect("indexed order has a level");
        let pos = queue
            .iter()
            .position(|o| o.id == id)
            .expect("indexed order is queued");
        let order = queue.remove(pos).expect("position is in range");
        if queue.is_empty() {
            levels.remove(&price);
        }
        Ok(order.remaining)
    }

    fn validate(&self, id: OrderId, quantity: Quantity) -> Result<(), EngineError> {
        if quantity == 0 {
            return Err(EngineError::ZeroQuantity);
        }
        if self.index.contains_key(&id) {
            return Err(EngineError::DuplicateOrderId(id));
        }
        Ok(())
    }

    fn match_against(
        &mut self,
        taker: OrderId,
        side: Side,
        limit: Option<Price>,
        mut remaining: Quantity,
    ) -> (Vec<Trade>, Quantity) {
        let mut trades = Vec::new();
        while remaining > 0 {
            let best = match side {
                Side::Buy => self.best_ask(),
                Side::Sell => self.best_bid(),
            };
            let Some(price) = best else { break };
            let crosses = match (side, limit) {
                (_, None) => true,
                (Side::Buy, Some(limit)) => price <= limit,
                (Side::Sell, Some(limit)) => price >= limit,
            };
            if !crosses {
                break;
            }
            let levels = self.levels_mut(side.opposite());
            let queue = levels.get_mut(&price).expect("best price has a level");
            let mut filled_makers = Vec::new();
            while remaining > 0 {
                let Some(maker) = queue.front_mut() else {
                    break;
                };
                let quantity = remaining.min(maker.remaining);
                maker.remaining -= quantity;
                remaining -= quantity;
                trades.push(Trade {
                    taker,
                    maker: maker.id,
                    price,
                    quantity,
                });
                if maker.remaining == 0 {
                    filled_makers.push(maker.id);
                    queue.pop_front();
                }
            }
            if queue.is_empty() {
                levels.remove(&price);
            }
            for id in filled_makers {
                self.index.remove(&id);
            }
        }
        (trades, remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_crossing_orders_rest() {
        let mut book = OrderBook::new();
        assert_eq!(book.limit(1, Side::Buy, 99, 10).unwrap().resting, 10);
        assert_eq!(book.limit(2, Side::Sell, 101, 5).unwrap().resting, 5);
        assert_eq!(book.best_bid(), Some(99));
        assert_eq!(book.best_ask(), Some(101));
        assert_eq!(book.len(), 2);
    }

    #[test]
    fn price_time_priority() {
        let mut book = OrderBook::new();
        book.limit(1, Side::Sell, 101, 5).unwrap();
        book.limit(2, Side::Sell, 100, 5).unwrap();
        book.limit(3, Side::Sell, 100, 5).unwrap();
        let exec = book.limit(4, Side::Buy, 101, 12).unwrap();
        let fills: Vec<_> = exec
            .trades
            .iter()
            .map(|t| (t.maker, t.price, t.quantity))
            .collect();
        // Best price first, then earliest order at that price.
        assert_eq!(fills, vec![(2, 100, 5), (3, 100, 5), (1, 101, 2)]);
        assert_eq!(exec.filled(), 12);
        assert_eq!(exec.resting, 0);
        assert_eq!(book.depth_at(Side::Sell, 101), 3);
        assert_eq!(book.best_ask(), Some(101));
    }

    #[test]
    fn limit_remainder_rests_at_limit_price() {
        let mut book = OrderBook::new();
        book.limit(1, Side::Buy, 100, 4).unwrap();
        let exec = book.limit(2, Side::Sell, 99, 10).unwrap();
        assert_eq!(
            exec.trades,
            vec![Trade {
                taker: 2,
                maker: 1,
                price: 100,
                quantity: 4
            }]
        );
        assert_eq!(exec.resting, 6);
        assert_eq!(book.best_bid(), None);
        assert_eq!(book.best_ask(), Some(99));
    }

    #[test]
    fn market_order_cancels_unfilled_rest() {
        let mut book = OrderBook::new();
        book.limit(1, Side::Buy, 100, 3).unwrap();
        book.limit(2, Side::Buy, 98, 3).unwrap();
        let exec = book.market(3, Side::Sell, 10).unwrap();
        assert_eq!(exec.filled(), 6);
        assert_eq!(exec.cancelled, 4);
        assert!(book.is_empty());
    }

    #[test]
    fn cancel_removes_order() {
        let mut book = OrderBook::new();
        book.limit(1, Side::Buy, 100, 3).unwrap();
        book.limit(2, Side::Buy, 100, 7).unwrap();
        assert_eq!(book.cancel(1), Ok(3));
        assert_eq!(book.depth_at(Side::Buy, 100), 7);
        assert_eq!(book.cancel(1), Err(EngineError::UnknownOrder(1)));
        assert_eq!(book.cancel(2), Ok(7));
        assert_eq!(book.best_bid(), None);
    }

    #[test]
    fn rejects_invalid_orders() {
        let mut book = OrderBook::new();
        assert_eq!(
            book.limit(1, Side::Buy, 100, 0),
            Err(EngineError::ZeroQuantity)
        );
        assert_eq!(book.limit(1, Side::Buy, 0, 1), Err(EngineError::ZeroPrice));
        assert_eq!(book.market(1, Side::Buy, 0), Err(EngineError::ZeroQuantity));
        book.limit(1, Side::Buy, 100, 1).unwrap();
        assert_eq!(
            book.limit(1, Side::Sell, 200, 1),
            Err(EngineError::DuplicateOrderId(1))
        );
        assert_eq!(
            EngineError::DuplicateOrderId(1).to_string(),
            "order id 1 already in use"
        );
    }

    #[test]
    fn filled_maker_ids_can_be_reused() {
        let mut book = OrderBook::new();
        book.limit(1, Side::Sell, 100, 1).unwrap();
        book.limit(2, Side::Buy, 100, 1).unwrap();
        assert!(book.is_empty());
        assert!(book.limit(1, Side::Sell, 100, 1).is_ok());
    }
}
