"""Charts (Plotly, imported only when a chart is asked for). Presentation only: every number
arrives computed by the layers below; the CLI writes these figures to files and the web pages
draw them."""
