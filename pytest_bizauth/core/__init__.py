"""What every fake shares, free of any transport and of any vendor."""
