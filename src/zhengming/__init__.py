"""zhengming (正名): one record per customer, under its right name."""

__version__ = "0.1.0.dev0"
